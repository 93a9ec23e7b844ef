"""Every write to communities, one module per noun (as Zulip's zerver/actions/):

communities    create and change a community; titles and labels checked for what is written in it
membership     join, ask, withdraw, leave; facilitators' decisions, invitations, roles, removal and bans
conversations  threads, replies, edits, reactions, answers, watching and reports
moderation     what facilitators do to conversations
log            the moderation log
notices        a community notice in a member's inbox

Callers import from the module (`from communities.services.membership import membership_join`).
"""
