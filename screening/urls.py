from django.urls import path

from .views import imports, jobs, pubmed, reviews, screening

urlpatterns = [
    path("", reviews.review_list, name="review_list"),
    path("reviews/new/", reviews.review_create, name="review_create"),
    path("reviews/<int:review_id>/", reviews.review_dashboard, name="review_dashboard"),
    path("reviews/<int:review_id>/settings/", reviews.review_settings, name="review_settings"),
    path("reviews/<int:review_id>/members/", reviews.member_list, name="member_list"),
    path("reviews/<int:review_id>/members/<int:membership_id>/role/", reviews.member_change_role, name="member_change_role"),
    path("reviews/<int:review_id>/members/<int:membership_id>/remove/", reviews.member_remove, name="member_remove"),
    path("reviews/<int:review_id>/invitations/<int:invitation_id>/revoke/", reviews.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", reviews.invitation_accept, name="invitation_accept"),
    path("reviews/<int:review_id>/jobs/<int:job_id>/", jobs.job_detail, name="job_detail"),
    path("reviews/<int:review_id>/jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    # Import (issue 3)
    path("reviews/<int:review_id>/imports/", imports.import_list, name="import_list"),
    path("reviews/<int:review_id>/imports/upload/", imports.import_upload, name="import_upload"),
    path("reviews/<int:review_id>/imports/check/<int:job_id>/", imports.import_check, name="import_check"),
    path("reviews/<int:review_id>/imports/<int:import_id>/recheck/", imports.import_recheck, name="import_recheck"),
    path("reviews/<int:review_id>/imports/<int:import_id>/cancel/", imports.import_cancel, name="import_cancel"),
    path("reviews/<int:review_id>/imports/<int:import_id>/progress/", imports.import_progress, name="import_progress"),
    path("reviews/<int:review_id>/export/records.<str:file_format>", imports.records_export, name="records_export"),
    # PubMed search (issue 7)
    path("reviews/<int:review_id>/pubmed/", pubmed.pubmed_search, name="pubmed_search"),
    path("reviews/<int:review_id>/pubmed/import/", pubmed.pubmed_import, name="pubmed_import"),
    path("reviews/<int:review_id>/pubmed/runs/<int:run_id>/", pubmed.pubmed_run, name="pubmed_run"),
    path("reviews/<int:review_id>/pubmed/runs/<int:run_id>/progress/", pubmed.pubmed_run_progress, name="pubmed_run_progress"),
    path("reviews/<int:review_id>/pubmed/runs/<int:run_id>/resume/", pubmed.pubmed_run_resume, name="pubmed_run_resume"),
    path("reviews/<int:review_id>/pubmed/runs/<int:run_id>/discard/", pubmed.pubmed_run_discard, name="pubmed_run_discard"),
    path("reviews/<int:review_id>/pubmed/searches/<int:search_id>/update/", pubmed.pubmed_search_update, name="pubmed_search_update"),
    path("reviews/<int:review_id>/screen/", screening.screen, name="screen"),
    path("reviews/<int:review_id>/screen/records/<int:record_id>/decide/", screening.decide, name="decide"),
    path("reviews/<int:review_id>/screen/undo/", screening.undo, name="screen_undo"),
    path("reviews/<int:review_id>/screen/mine/", screening.my_decisions, name="my_decisions"),
    path("reviews/<int:review_id>/screening/progress/", screening.screening_progress, name="screening_progress"),
    path("reviews/<int:review_id>/screening/conflicts/", screening.conflicts, name="conflicts"),
    path("reviews/<int:review_id>/screening/records/", screening.lead_records, name="lead_records"),
    path("reviews/<int:review_id>/screening/records/<int:record_id>/", screening.lead_record, name="lead_record"),
    path("reviews/<int:review_id>/screening/records/<int:record_id>/resolve/", screening.resolve, name="resolve"),
    path("reviews/<int:review_id>/screening/pilot/", screening.pilot, name="pilot"),
    path("reviews/<int:review_id>/screening/history.csv", screening.history_export, name="history_export"),
]
