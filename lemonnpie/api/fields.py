"""Request fields shared by every app's input serializers."""

from rest_framework import serializers

from lemonnpie.text import clean_text


class CleanCharField(serializers.CharField):
    """Free text a user writes: cleaned by `lemonnpie.text.clean_text` (control, bidi and invisible
    characters dropped) before the length checks, and blank after cleaning when only invisible
    characters were sent. `multiline` keeps newlines and tabs."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return clean_text(value, multiline=self.multiline)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if value == "" and not self.allow_blank:
            self.fail("blank")
        return value
