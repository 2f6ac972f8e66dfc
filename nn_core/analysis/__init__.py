"""What happens inside a network: loss landscape, gradient flow, hidden space, rate finder."""
