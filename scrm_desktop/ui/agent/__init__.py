"""The agent workspace: case queue, the decision-tree wizard and the reply editor."""
