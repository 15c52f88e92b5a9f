"""Getting words to people: the outbox, the nudge engine, the scheduler, webhooks, snoozing."""
