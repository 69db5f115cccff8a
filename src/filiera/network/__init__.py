"""The collaboration network: organisations tied by shared projects, B2B meetings, events attended together and
agreements. So far: `engine`, the pure engine that builds the weighted graph and measures it."""
