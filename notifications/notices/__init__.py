"""Notices to the people affected: drafts, versions, approval, renditions (docs/notices.md)."""
