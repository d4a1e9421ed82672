"""The distributed path: outbox relay to Kafka, and the consumer group keeping the read models."""
