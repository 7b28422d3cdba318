"""Usage-based access reviews: campaigns, recommendations, reviewers, decisions, deadlines."""
