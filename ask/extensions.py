"""What Ask the hub adds to the rest of the hub (imported from apps.ready()): registrations only.

"People who can help" and "Related practice" beside stories and conversations (core.providers.blocks), the
block on a question's page for the people asked and the asker, "Start a conversation" in the questions'
space leading to /ask/ (core.providers.conversations), the open questions in digests of members whose
expertise matches, the data export and erasure of who was asked, and whether an ask's email still goes.
"""

from ask.permissions import can_email_ask_notice
from ask.providers.digests import QUESTIONS_IN_DIGESTS
from ask.providers.panels import help_panels
from ask.providers.thread_block import thread_block
from ask.selectors import personal_data
from ask.services.erasure import ask_erase
from ask.views.start import start_url
from core.providers.blocks import SIDE, register_block
from core.providers.conversations import register_start_conversation, register_thread_block
from core.providers.digests import register_digest_provider
from profiles.extensions import register_erasure, register_notice_check, register_personal_data

register_thread_block(thread_block)
register_block(slot=SIDE, provider=help_panels)
register_start_conversation(start_url)

register_digest_provider(QUESTIONS_IN_DIGESTS)

register_personal_data("questions", personal_data)
register_erasure(ask_erase)
register_notice_check("ask.", can_email_ask_notice)
