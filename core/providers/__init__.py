"""Model providers behind small interfaces: proposal generators and text embedders."""
