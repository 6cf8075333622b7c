"""The country on several hosts of one machine: Linux network namespaces on a bridge, PostgreSQL
on a host of its own, and a small TCP load balancer (``tenfold cluster``; see docs/cluster.md)."""
