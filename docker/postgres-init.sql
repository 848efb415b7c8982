-- The application's own database beside Temporal's (which auto-setup creates).
CREATE DATABASE onboarding;
