"""What communities offers the features khub composes, built on communities.permissions, one module per
feature (registered from communities/extensions.py): conversations in the activity feed (feed.py);
conversations, requests to join and reports in activity digests (digests.py); conversations and communities
in search (search.py)."""
