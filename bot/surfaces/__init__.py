"""What every process shows in Slack: Block Kit, mrkdwn, cards, charts, the transcript."""
