"""What Ask the hub adds to the rest of the hub (imported from apps.ready()): registrations only."""

from ask.providers.panels import help_panels
from core.providers.blocks import SIDE, register_block

register_block(slot=SIDE, provider=help_panels)
