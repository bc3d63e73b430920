"""One module per platform; each says what its public pages publish and what stops a visitor."""
