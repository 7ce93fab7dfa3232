-- One database per owner; each process gets only its own URL.
CREATE DATABASE kelisim_gateway;
CREATE DATABASE kelisim_cases;
CREATE DATABASE kelisim_councils;
CREATE DATABASE kelisim_notifications;
CREATE DATABASE kelisim_analytics;
