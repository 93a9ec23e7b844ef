from allauth.account.adapter import DefaultAccountAdapter

from profiles.services import user_sync_council_link


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user.display_name = form.cleaned_data["display_name"]
        return super().save_user(request, user, form, commit=commit)

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        # A newly verified address may prove a council affiliation.
        user_sync_council_link(user=email_address.user)
        return confirmed
