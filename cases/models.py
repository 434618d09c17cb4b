# Urgent hardship cases come with the cases issue.
