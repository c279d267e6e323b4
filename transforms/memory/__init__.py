"""Memory plumbing for rows a runner holds: packing and allocator hints. No apache_beam."""
