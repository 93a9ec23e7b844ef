"""How each app offers its kinds of content to the features that khub composes, without khub naming them.

A kind of content (a conversation, a story, later an event or a document) is owned by one app. That app's
providers.py builds, for its kinds, what the feed lists (feed.py), what search finds and shows
(search.py) and what digests hold (digests.py), each on the app's own permission filters, and registers
it from its extensions.py (run by AppConfig.ready(), in INSTALLED_APPS order). khub iterates over what is
registered. Profile sections, the data export and erasure register the same way in profiles.extensions.
"""
