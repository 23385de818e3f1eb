"""The historical API over HTTPS (httpx through the core's HttpClient)."""
