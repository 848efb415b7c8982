import logging

# What the agent logs goes nowhere in its unit tests (the logs' format is checked by the integration tests).
logging.getLogger().addHandler(logging.NullHandler())
