//! Integration tests: the real actix app over HTTP, on SQLite or PostgreSQL (`TEST_DATABASE_URL`).
mod demo;
mod fixtures;
mod harness;
mod read_api;
mod rollups;
mod transport;
