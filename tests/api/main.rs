//! Integration tests: the real actix app over HTTP, on SQLite or PostgreSQL (`TEST_DATABASE_URL`).
mod auth;
mod fixtures;
mod harness;
mod permissions;
mod read_api;
mod transport;
mod writes;
