"""Personal data: forgetting a user from every layer (`usage-analytics forget`)."""
