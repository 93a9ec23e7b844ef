"""Each app's extensions.py only registers what it adds to profiles' pages and records: what it registers
lives in the app's selectors, services and permissions, and its signal receivers in receivers.py."""

import ast
import importlib
from pathlib import Path

import pytest
from django.db.models.signals import post_save, pre_delete

from profiles import extensions

EXTENSION_MODULES = ("communities.extensions", "practice.extensions", "ask.extensions", "khub.extensions")


@pytest.mark.parametrize("name", EXTENSION_MODULES)
def test_an_apps_extensions_module_defines_no_functions_or_classes(name):
    source = Path(importlib.import_module(name).__file__).read_text()
    defined = [
        f"{type(node).__name__} on line {node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
    ]
    assert defined == []


def test_each_app_registers_its_parts_once_and_in_order():
    # The data export lists its parts in registration order; erasure runs its handlers in it.
    exporters = list(extensions.personal_data_exporters())
    assert exporters == [
        "communities",
        "conversations",
        "practice",
        "events",
        "library",
        "questions",
        "digests",
    ]
    assert [handler.__name__ for handler in extensions.erasure_handlers()] == [
        "erase_memberships",
        "erase_conversation_records",
        "erase_endorsements",
        "rsvps_erase",
        "erase_calendar_records",
        "library_erase",
        "ask_erase",
        "erase_digests",
    ]
    assert [provider.__name__ for provider in extensions._profile_sections] == [
        "profile_communities",
        "profile_going_to",
        "profile_uploads",
    ]
    assert [provider.__name__ for provider in extensions._council_sections] == [
        "council_shared",
        "council_repeated",
    ]
    assert [provider.__name__ for provider in extensions._contributions] == [
        "conversation_contributions",
        "story_contributions",
    ]


def test_the_receivers_are_connected_once_under_their_dispatch_uids():
    # A receiver's lookup key is (dispatch_uid, sender id): connecting it again under its uid replaces it.
    def uids(signal) -> list[str]:
        return [key[0] for key, *_ in signal.receivers if isinstance(key[0], str)]

    assert uids(pre_delete).count("communities_reactions_leave_with_their_user") == 1
    assert uids(pre_delete).count("practice_endorsements_leave_with_their_user") == 1
    assert uids(post_save).count("communities_recount_on_activation") == 1
    assert uids(post_save).count("ask_reply_answers_an_ask") == 1
