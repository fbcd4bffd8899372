"""The Customers window: customer records and their linked profiles, suggested links, influencers, advocates,
CSV import; and the dialog that links a post's author to a customer."""
