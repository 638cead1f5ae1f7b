SELECT secret;
