"""Slack's stand-in, the request simulator, the sandbox and the demo. Never imported by production code."""
