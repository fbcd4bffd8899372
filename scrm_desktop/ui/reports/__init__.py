"""Reports: the social media audit and the care report as PDF (Qt's own PDF writer), previewed in the Reports
window."""
