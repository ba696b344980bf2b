"""Analytics: summaries kept with every card, the figures an owner reads, and the dashboard."""
