"""The web workspace: server-rendered pages for security teams and DPOs.

Views here are interfaces like the API: they authorise, parse a form, call one service or
selector of `incidents` / `notifications`, and render. No business rule lives in a view.
"""
