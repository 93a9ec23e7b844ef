"""Activity digests: what happened in a member's communities since their last digest, by email.

content.py picks each member's items (a chunk of members at a time, a fixed number of queries);
delivery.py makes sure each member gets one digest per period, retried when sending fails; emails.py
renders it for the inbox and for "view in browser". khub/tasks.py and `manage.py send_digests` drive them.
"""
