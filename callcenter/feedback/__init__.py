"""Customer feedback: complaints, reviews and suggestions, with their handling and scores."""
