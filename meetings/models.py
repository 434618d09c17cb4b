# Meetings, agenda items, minutes and their distribution come with the meetings issue.
