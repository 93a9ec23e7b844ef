"""Ask the hub's pages: asking (asking.py: the form, the "Has this been answered already?" lookup, who to
ask) and what someone asked does (asked.py: pass, suggest someone else; answering is the thread's reply)."""

from ask.views.asked import pass_question, suggest
from ask.views.asking import ask, people, similar

__all__ = ["ask", "pass_question", "people", "similar", "suggest"]
