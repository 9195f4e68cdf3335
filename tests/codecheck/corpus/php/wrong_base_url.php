<?php
require 'vendor/autoload.php';

$client = new GuzzleHttp\Client(['base_uri' => 'https://pixapi.ai/api/']);
$res = $client->post('v1/images/generations', [
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
    'json' => ['model' => 'nano-banana', 'prompt' => 'A stained glass window of a whale'],
]);
echo json_decode((string) $res->getBody(), true)['data'][0]['url'];
