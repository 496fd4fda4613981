"""Every email, SMS, call and TTS audio the platform produces: rows, send jobs, provider callbacks, suppression."""
