from django.urls import path

from .views import dedup, imports, jobs, reviews

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
    # Duplicates (issue 4)
    path("reviews/<int:review_id>/duplicates/", dedup.dedup_overview, name="dedup_overview"),
    path("reviews/<int:review_id>/duplicates/run/", dedup.dedup_run, name="dedup_run"),
    path("reviews/<int:review_id>/duplicates/queue/", dedup.dedup_queue, name="dedup_queue"),
    path("reviews/<int:review_id>/duplicates/queue/<int:candidate_id>/decide/", dedup.dedup_decide, name="dedup_decide"),
    path("reviews/<int:review_id>/duplicates/queue/accept-above/", dedup.dedup_accept_above, name="dedup_accept_above"),
    path("reviews/<int:review_id>/duplicates/merges/", dedup.merge_list, name="merge_list"),
    path("reviews/<int:review_id>/duplicates/merges/<int:merge_id>/undo/", dedup.merge_undo, name="merge_undo"),
]
