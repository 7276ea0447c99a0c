DROP TABLE signing_keys;
DROP TABLE sign_in_throttle;
