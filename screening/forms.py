from django import forms
from django.core.validators import MinValueValidator
from django.contrib.auth.password_validation import validate_password

from .models import Review, Role


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["title", "question", "inclusion_criteria", "exclusion_criteria"]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 3}),
            "inclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            "exclusion_criteria": forms.Textarea(attrs={"rows": 4}),
        }


class ReviewSettingsForm(forms.ModelForm):
    exclusion_reasons_text = forms.CharField(
        label="Exclusion reasons", required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line.",
    )
    database_preference_text = forms.CharField(
        label="Preferred databases for duplicates", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, most preferred first, named as at import (e.g. MEDLINE). When "
        "duplicates are equally complete, the record from the first database listed is kept.",
    )

    class Meta:
        model = Review
        fields = [
            "title", "question", "inclusion_criteria", "exclusion_criteria",
            "reviewers_per_record", "blind", "order", "priority_retrain_every", "priority_min_includes",
            "priority_min_excludes", "priority_show_estimates", "stop_target_recall", "stop_confidence",
            "include_keywords", "exclude_keywords",
            "reason_required_at_title_abstract", "show_authors", "show_journal",
        ]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 3}),
            "inclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            "exclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            "include_keywords": forms.Textarea(attrs={"rows": 3}),
            "exclude_keywords": forms.Textarea(attrs={"rows": 3}),
        }

    PRIORITY_NUMBERS = ("priority_retrain_every", "priority_min_includes", "priority_min_excludes")
    # The stopping rule's target and confidence (%): left blank, they keep their value too.
    STOPPING_NUMBERS = ("stop_target_recall", "stop_confidence")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusion_reasons_text"].initial = "\n".join(self.instance.exclusion_reasons or [])
        self.fields["database_preference_text"].initial = "\n".join(self.instance.database_preference or [])
        # Priority settings matter only in priority order: left blank, they keep their value.
        for name in self.PRIORITY_NUMBERS:
            self.fields[name].required = False
            self.fields[name].min_value = 1
            self.fields[name].widget.attrs["min"] = 1
            self.fields[name].validators.append(MinValueValidator(1))
        for name in self.STOPPING_NUMBERS:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.PRIORITY_NUMBERS + self.STOPPING_NUMBERS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned

    def clean_exclusion_reasons_text(self):
        lines = [line.strip() for line in self.cleaned_data["exclusion_reasons_text"].splitlines()]
        return list(dict.fromkeys(line for line in lines if line))

    def clean_database_preference_text(self):
        lines = [line.strip() for line in self.cleaned_data["database_preference_text"].splitlines()]
        return list(dict.fromkeys(line for line in lines if line))

    def save(self, commit=True):
        self.instance.exclusion_reasons = self.cleaned_data["exclusion_reasons_text"]
        self.instance.database_preference = self.cleaned_data["database_preference_text"]
        return super().save(commit)


class AddMemberForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="Password again",
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email="", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError("The two passwords differ.")
        if data.get("password1"):
            from django.contrib.auth.models import User

            validate_password(data["password1"], User(username=self.email, email=self.email))
        return data
