from django import forms


class DutySearchForm(forms.Form):
    q = forms.CharField(label="搜索职责", max_length=50, required=False, strip=True)
