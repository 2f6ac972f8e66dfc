"""Running the playground behind a load balancer: see serve.py."""
