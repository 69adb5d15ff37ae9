"""The whole product brought up and down on one configuration (`pgplat up`/`down`)."""
