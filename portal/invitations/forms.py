from django import forms


class WordingForm(forms.Form):
    subject = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}))
