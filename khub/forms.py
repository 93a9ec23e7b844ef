from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Renders {{ form }} and {{ field.as_field_group }} with GOV.UK Frontend markup.

    TemplatesSetting looks templates up through TEMPLATES, so templates/forms/govuk/ is found.
    """

    form_template_name = "forms/govuk/form.html"
    field_template_name = "forms/govuk/field.html"
