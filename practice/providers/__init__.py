"""What practice offers the features khub composes, built on practice.permissions, one module per feature
(registered from practice/extensions.py): stories published, promoted and repeated in the activity feed
(feed.py) and in activity digests (digests.py), and stories in search (search.py)."""
