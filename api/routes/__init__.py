"""HTTP routes: thin layers that parse, call a service and render."""
