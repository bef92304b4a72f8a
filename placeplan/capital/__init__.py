"""Capital programme: projects, their delivery, and the places they open."""
