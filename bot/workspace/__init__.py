"""Who and where: settings, people and roles, the clock, working hours, the Slack client."""
