"""What differs between kinds of problem: layered networks and scalar computational graphs."""
