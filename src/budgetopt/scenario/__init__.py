"""Input side: data dictionary, typed instance tables, loaders, validation, generator."""
