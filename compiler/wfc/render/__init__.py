"""Renderers: plain data in, text out, through the Jinja templates in `wfc/templates/`."""
